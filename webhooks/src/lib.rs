//! Flow Stage's HTTP surface.
