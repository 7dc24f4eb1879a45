//! Deterministic synthetic mail corpus generator (work in progress).
