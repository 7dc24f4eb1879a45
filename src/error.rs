//! Typed errors (placeholder).
