#!/usr/bin/env bash
# Builds the seed corpora of the fuzz targets in fuzz/corpus/<target>/ from
# the project's own fixtures: the bundled sample (sample_mbox/, which is
# exactly what `cargo run --example gen_sample` writes), a small corpus from
# the synthetic generator (examples/gen_corpus.rs), hostile cases like the
# ones the tests build, and the saved regression inputs. Corpora are not
# committed (fuzz/corpus is ignored); run this before the first fuzzing run.
#
# Usage: fuzz/seed.sh [--no-generate]   (--no-generate: skip gen_corpus)
#        SEED_OUT=DIR fuzz/seed.sh        (write somewhere else than fuzz/corpus)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=${SEED_OUT:-$ROOT/fuzz/corpus}
SAMPLE=$ROOT/sample_mbox
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
GENERATE=1
[[ "${1:-}" == "--no-generate" ]] && GENERATE=0

for t in mbox_splitter message smime safe_name query html export extract gzip dkim_signature archive emlx patterns pst msg; do
    mkdir -p "$OUT/$t"
done

# Seeds larger than this are cut: libFuzzer is fastest on small inputs and
# mutates short files better.
MAX=65536
n=0
# seed TARGET PREFIX_BYTES_PRINTF FILE: one seed file, content = prefix + file.
seed() {
    local target=$1 prefix=$2 file=$3
    n=$((n + 1))
    { printf "$prefix"; head -c "$MAX" "$file"; } >"$OUT/$target/seed-$(printf %05d $n)"
}
# seed_text TARGET TEXT
seed_text() {
    n=$((n + 1))
    printf '%s' "$2" >"$OUT/$1/seed-$(printf %05d $n)"
}

# --- mbox splitter: whole small mboxes, and a big one in pieces ----------
zcat "$SAMPLE"/podesta/*.gz >"$TMP/podesta.mbox"
mkdir -p "$TMP/msgs"
# One file per message (From_ line included), in source order.
awk -v dir="$TMP/msgs" '/^From /{n++} {print > sprintf("%s/%05d", dir, n)}' "$TMP/podesta.mbox"
for f in "$SAMPLE"/broken/*.mbox; do seed mbox_splitter "" "$f"; done
# Runs of 1, 2 and 5 consecutive messages.
i=0
for m in "$TMP"/msgs/*; do
    i=$((i + 1))
    case $((i % 3)) in
        0) seed mbox_splitter "" "$m" ;;
        1) cat "$m" "$(ls "$TMP"/msgs/* | sed -n "$(((i % 200) + 1))p")" >"$TMP/pair"
           seed mbox_splitter "" "$TMP/pair" ;;
        2) [[ $i -lt 60 ]] && { cat $(ls "$TMP"/msgs/* | sed -n "${i},$((i + 4))p") >"$TMP/five"
           seed mbox_splitter "" "$TMP/five"; } ;;
    esac
done
# Hostile shapes from the splitter's unit tests.
F1='From alice@example.org Mon Oct 12 14:02:11 2015'
F2='From bob@example.org Tue Oct 13 09:00:00 2015'
seed_text mbox_splitter "$F1"$'\nSubject: one\n\nFrom here on we talk by phone.\n\n>From the top\n\n'"$F2"$'\nSubject: two\n\nbody\n'
seed_text mbox_splitter "$F1"$'\r\nSubject: a\r\n\r\nx\r\n\r\n'"$F2"$'\r\nSubject: b\r\n\r\ny\r\n\r\n'
seed_text mbox_splitter "$F1"$'\nContent-Length: 10000\nSubject: liar\n\nshort\n\n'"$F2"$'\nSubject: two\n\nb\n'
seed_text mbox_splitter "$F1"$'\nContent-Length: 5\nSubject: cl2\n\nline\n\n'"$F2"$'\nSubject: next\n\nz\n'
seed_text mbox_splitter $'garbage line\nmore\n\n'"$F1"$'\nSubject: a\n\nx\n'
seed_text mbox_splitter "$F1"$'\nSubject: a\n\nx\n'"$F2"$'\nSubject: b\n\ny\n'
seed_text mbox_splitter "$F1"$'\n\n'"$F2"$'\nSubject: b\n\nhalf a li'
# A message over the small limit the target also splits with (1 KiB).
{ echo "$F1"; echo "Subject: big"; echo; for _ in $(seq 200); do echo "0123456789abcdef"; done; echo; echo "$F2"; echo "Subject: b"; echo; echo y; } >"$TMP/big"
seed mbox_splitter "" "$TMP/big"

# --- one message: EML files, maildir files, mbox messages -----------------
# First byte: bit 0 mbox quoting, bit 1 small limits, bits 2-7 chunk size.
for f in "$SAMPLE"/dnc/*.eml; do seed message '\x00' "$f"; done
for f in "$SAMPLE"/broken/*.eml "$SAMPLE"/broken/random.bin; do
    seed message '\x00' "$f"
    seed message '\x06' "$f"
done
find "$SAMPLE/maildir" -type f | sort | while read -r f; do seed message '\x0e' "$f"; done
i=0
for m in "$TMP"/msgs/*; do
    i=$((i + 1))
    [[ $i -gt 80 ]] && break
    tail -n +2 "$m" >"$TMP/body" # without the From_ line, quoting kept
    seed message '\x05' "$TMP/body"
done

# --- opaque-signed S/MIME: the CMS objects of the openssl-made fixtures ----
# First byte: bits 0-1 the part's type, bit 2 binary, bit 3 small limits,
# bit 4 inside a multipart.
for f in tests/fixtures/smime/opaque-signed-*.eml; do
    sed '1,/^$/d' "$f" | base64 -d >"$TMP/p7m"
    for prefix in '\x00' '\x05' '\x12' '\x1e' '\x08'; do seed smime "$prefix" "$TMP/p7m"; done
done

# --- attachment names -----------------------------------------------------
{
    cat "$SAMPLE"/dnc/*.eml "$SAMPLE"/broken/*.eml
    find "$SAMPLE/maildir" -type f -exec cat {} +
} | grep -aoE '(file)?name\*?="?[^";]+' | sed -E 's/^(file)?name\*?="?//' | sort -u >"$TMP/names"
head -200 "$TMP/names" >"$TMP/names200"
while IFS= read -r name; do seed_text safe_name "$name"; done <"$TMP/names200"
for name in '../../etc/passwd' 'C:\Windows\System32\x.exe' '\\server\share\a.doc' \
    $'evil\u202Efdp.exe' 'CON' 'nul.txt' 'Com1 .tar.gz' 'LPT¹' 'CONIN$' '...' ' . ' \
    $'a\x00b' $'tab\there' 'a:b*c?.pdf' "$(printf 'x%.0s' $(seq 300)).pdf" \
    "$(printf 'é%.0s' $(seq 150)).docx" $'\u200Bhidden\u2066.txt' '.bashrc' \
    'report.pdf.exe' $'\uFEFFbom.txt' '..\..\boot.ini' '/absolute/path.txt'; do
    seed_text safe_name "$name"
done

# --- queries ----------------------------------------------------------------
while IFS= read -r q; do seed_text query "$q"; done <<'EOF'
budget
donor
"talking points"
meeting OR call
budget -draft
from:@ncpc.example.org
to:@hartwell2016.example.com
subject:budget
body:reception
has:attachment
filename:pdf
after:2016-05-01
date:2015-10
before:2015-06 budget
budg*
moskva~
moskva~2
финансировании
(budget OR donor) subject:re
from:ann OR from:bob
from:(ann OR bob) -to:carl
attachment:donor
garcia
vote -pipeline
*
id:3f2a9c
msgid:<abc@x>
thread:0123456789abcdef
source:podesta
date:2016-05-01..2016-05-31
date:2016-02..
date:..2017
NOT (a OR (b AND -c))
subject:"q3 plan" from:@dnc.org
会議の資料
"say \"hi\"" cc:x bcc:y
((((((((((x))))))))))
from:(
EOF

# --- HTML: bodies from the sample and hostile markup -----------------------
# First byte: output cap in units of 16 bytes.
for f in "$SAMPLE"/broken/html-only.eml; do seed html '\xff' "$f"; seed html '\x03' "$f"; done
{ grep -lrai '<html' "$SAMPLE"/dnc "$SAMPLE"/maildir || true; } | sort | head -30 >"$TMP/htmlfiles"
while read -r f; do seed html '\xff' "$f"; done <"$TMP/htmlfiles"
for h in '<p>a<br>b</p><ul><li>one<li>two</ul><ol start=3><li>x</ol>' \
    '<table><tr><td>a</td><td></td><td>b</td></tr></table>' \
    '<blockquote><blockquote>q</blockquote></blockquote><pre>  x\n\n\n y</pre>' \
    '<script>alert(1)</script><style>p{}</style><select><option>x</select>' \
    '<a href="http://x.example/">link</a> <a href="mailto:a@b">a@b</a> <img src="http://127.0.0.1/t.png" alt="pixel">' \
    '&amp;&lt;&gt;&quot;&nbsp;&#x41;&#65;&#x110000;&#0;&#128;&eacute;&unknown;' \
    '<!-- comment --><!DOCTYPE html><![CDATA[ x ]]><?php x ?>' \
    '<div><div><div><div><div><div><div><div><div><div>deep' \
    '<textarea><b>not bold</b></textarea><svg><text>s</text></svg>'; do
    n=$((n + 1)); { printf '\xff'; printf '%s' "$h"; } >"$OUT/html/seed-$(printf %05d $n)"
done

# --- exports: message data and raw messages ---------------------------------
# Fields separated by 0x1F: subject, from, to, cc, attachment names, thread,
# source path, From_ line, date; then raw messages separated by 0x1E.
US=$'\x1f'; RS=$'\x1e'
export_seed() { n=$((n + 1)); printf '%s' "$1" >"$OUT/export/seed-$(printf %05d $n)"; }
export_seed "=HYPERLINK(\"http://x\")${US}Ann <ann@example.org>${US}b@example.org;Bé, \"B\"<b@example.org>${US}${US}memo.pdf;=cmd.xls${US}t1${US}/cases/a.mbox${US}${F1}${US}1473339601${US}Subject: x"$'\n\nFrom here\n>From y\n'"${RS}Subject: y"$'\r\n\r\nbody\r\n'
export_seed "+1${US}-x${US}@y${US}	tab${US}${US}${US}/p,\"q\"${US}From nobody${US}-99999999999${US}${RS}${RS}"$'\n'
export_seed "Re: budget, \"final\""$'\r\n'"second line${US}a${US}b${US}c${US}d${US}e${US}f${US}${US}${US}"$'From x Mon Oct 12 14:02:11 2015\nSubject: z\n\n>>From q\nFrom \n'
i=0
for m in "$TMP"/msgs/*; do
    i=$((i + 1)); [[ $i -gt 20 ]] && break
    subj=$(grep -a -m1 '^Subject:' "$m" | cut -c10- | tr -d '\r\n\036\037' || true)
    head -c 8192 "$m" | tail -n +2 >"$TMP/raw"
    { printf '%s' "$subj${US}${US}${US}${US}${US}${US}/podesta.mbox${US}"; head -n1 "$m" | tr -d '\n'; printf '%s' "${US}${US}"; tr -d '\036\037' <"$TMP/raw"; } >"$OUT/export/seed-$(printf %05d $((n + 1)))"
    n=$((n + 1))
done

# --- attachment documents: every attachment of the sample, saved by the CLI
# First byte: the document kind (0 PDF, 1 DOCX, 2 XLSX, 3 PPTX, 4 ODT, 5 ODS,
# 6 ODP, 7 XLS, 8 RTF; 255: detected from the content). Each document is
# seeded as its own kind and as detected; a PDF also as a DOCX and the
# reverse, so that the readers meet foreign formats.
cargo build --quiet --release --bin mailsift
BIN=$ROOT/target/release/mailsift
"$BIN" import "$TMP/case" "$SAMPLE" >/dev/null 2>&1 || true
mkdir -p "$TMP/docs"
"$BIN" search "$TMP/case" has:attachment --format json 2>/dev/null |
    grep -oE '"id":"[0-9a-f]+"' | cut -d'"' -f4 | sort -u | while read -r id; do
    mkdir -p "$TMP/docs/$id"
    "$BIN" attachments "$TMP/case" "$id" --save "$TMP/docs/$id" >/dev/null 2>&1 || true
done
find "$TMP/docs" -type f | sort | while read -r f; do
    sum=$(sha256sum "$f" | cut -c1-16)
    [[ -e "$TMP/docs-seen-$sum" ]] && continue
    touch "$TMP/docs-seen-$sum"
    case "${f,,}" in
        *.pdf) k='\x00' ;; *.docx) k='\x01' ;; *.xlsx) k='\x02' ;; *.pptx) k='\x03' ;;
        *.odt) k='\x04' ;; *.ods) k='\x05' ;; *.odp) k='\x06' ;; *.xls) k='\x07' ;;
        *.rtf) k='\x08' ;; *) k='' ;;
    esac
    [[ -n "$k" ]] && seed extract "$k" "$f"
    seed extract '\xff' "$f"
    case "$k" in '\x00') seed extract '\x01' "$f" ;; '\x01') seed extract '\x00' "$f" ;; esac
done
# Hostile shapes: a PDF whose page tree loops, an encrypted PDF trailer, a
# truncated PDF, RTF with a code page and Unicode escapes.
# seed_doc KIND_BYTE_PRINTF CONTENT
seed_doc() {
    n=$((n + 1))
    { printf "$1"; printf '%s' "$2"; } >"$OUT/extract/seed-$(printf %05d $n)"
}
CATALOG=$'%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n'
seed_doc '\x00' "$CATALOG"$'2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 /Parent 2 0 R >> endobj\n3 0 obj << /Type /Page /Parent 2 0 R >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n'
seed_doc '\x00' "$CATALOG"$'trailer << /Root 1 0 R /Encrypt 9 0 R >>\n%%EOF\n'
seed_doc '\x00' $'%PDF-1.7\n1 0 obj << /Type /Catalog'
seed_doc '\x08' '{\rtf1\ansi\ansicpg1251{\fonttbl{\f0 Arial;}}\f0 \u1055? \'"'"'cf\par}'

# --- gzip: the sample's gzip'd mbox (cut: the decoders meet a truncated
# stream) and small gzip files of mail, mode byte 0; mail text to compress
# and read back through checkpoints, odd mode bytes.
seed gzip '\x00' "$SAMPLE/podesta/podesta-style.mbox.gz"
for f in "$SAMPLE"/dnc/1.eml "$SAMPLE"/broken/crlf.mbox "$SAMPLE"/broken/mboxcl2.mbox; do
    gzip -c "$f" >"$TMP/one.gz"
    seed gzip '\x00' "$TMP/one.gz"
    cat "$TMP/one.gz" "$TMP/one.gz" >"$TMP/two.gz"
    seed gzip '\x00' "$TMP/two.gz"
    seed gzip '\x01' "$f"
    seed gzip '\x13' "$f"
done

# --- dkim_signature: the RFC 8463 example's signature header, the whole
# signed message, the bundled key archive and a zone line.
seed dkim_signature "" "$ROOT/tests/fixtures/dkim/rfc8463.eml"
sed -n '1,7p' "$ROOT/tests/fixtures/dkim/rfc8463.eml" | sed '1s/^DKIM-Signature://' >"$TMP/sig"
seed dkim_signature "" "$TMP/sig"
seed dkim_signature "" "$ROOT/assets/dkim_keys.json"
printf 's._domainkey.example.org. IN TXT ( "v=DKIM1; k=ed25519; "\n "p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=" ) ; c\n' >"$TMP/zone"
seed dkim_signature "" "$TMP/zone"

# --- archive: a zip, a tar and a tar.gz of sample messages (Python's
# zipfile and tarfile, when python3 is there); emlx: a message in Apple
# Mail's wrapping.
if command -v python3 >/dev/null; then
    python3 - "$TMP" "$SAMPLE" <<'PY'
import io, pathlib, sys, tarfile, zipfile
tmp, sample = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
emls = sorted(p for p in sample.rglob("*.eml"))[:3]
with zipfile.ZipFile(tmp / "a.zip", "w", zipfile.ZIP_DEFLATED) as z:
    for p in emls:
        z.write(p, "dump/" + p.name)
for name, mode in (("a.tar", "w"), ("a.tgz", "w:gz")):
    with tarfile.open(tmp / name, mode) as t:
        for p in emls:
            t.add(p, "dump/" + p.name)
PY
    for f in a.zip a.tar a.tgz; do seed archive "" "$TMP/$f"; done
fi
first_eml=$(find "$SAMPLE" -name '*.eml' | sort | head -1)
if [[ -n $first_eml ]]; then
    { printf '%-10s\n' "$(wc -c <"$first_eml")"; cat "$first_eml"; printf '<?xml version="1.0"?>\n<plist version="1.0"><dict><key>flags</key><integer>17</integer></dict></plist>\n'; } >"$TMP/1.emlx"
    seed emlx "" "$TMP/1.emlx"
fi
# --- pst, msg: the Outlook fixtures (a PST is cut to MAX: its header, the
# start of its B-trees), whole for the small .msg files.
for f in "$ROOT"/tests/fixtures/outlook/*.pst; do seed pst "" "$f"; done
for f in "$ROOT"/tests/fixtures/outlook/*.msg; do seed msg "" "$f"; done
# --- patterns: the sample's message bodies (phone numbers, links, amounts)
# and the tricky table of the unit tests.
while read -r f; do seed patterns "" "$f"; done < <(find "$SAMPLE/dnc" -type f -name "*.eml" | sort | head -40)
seed_text patterns 'Call +1 202 555 0143 or (202) 555-0143; $1.2m, EUR 300.000, 5 million dollars; DE89 3704 0044 0532 0130 00'
seed_text patterns 'Date: 2016-05-12 10:30 ZIP 20500-0003 order #2025550143 card 4111 1111 1111 1111'

# --- a small synthetic corpus from the generator (other seeds, other shapes)
if [[ $GENERATE == 1 ]]; then
    cargo run --quiet --no-default-features --example gen_corpus -- "$TMP/gen" 60 mbox 7 3000 >/dev/null
    cargo run --quiet --no-default-features --example gen_corpus -- "$TMP/gen-eml" 40 eml 8 3000 >/dev/null
    for f in "$TMP"/gen/*; do
        mkdir -p "$TMP/genmsgs"
        awk -v dir="$TMP/genmsgs" '/^From /{n++} {print > sprintf("%s/%05d", dir, n)}' "$f"
    done
    for m in "$TMP"/genmsgs/*; do seed mbox_splitter "" "$m"; done
    find "$TMP/gen-eml" -type f | sort | while read -r f; do seed message '\x00' "$f"; done
fi

# --- saved regressions seed their target ------------------------------------
for t in mbox_splitter message smime safe_name query html export extract gzip dkim_signature archive emlx patterns pst msg; do
    [[ -d "$ROOT/fuzz/regressions/$t" ]] && cp "$ROOT"/fuzz/regressions/$t/* "$OUT/$t/" 2>/dev/null || true
done

for t in mbox_splitter message smime safe_name query html export extract gzip dkim_signature archive emlx patterns pst msg; do
    printf '%-14s %5d seeds, %8d bytes\n' "$t" "$(ls "$OUT/$t" | wc -l)" "$(cat "$OUT/$t"/* | wc -c)"
done
