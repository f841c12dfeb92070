//! differ
