//! ferrymq namesrv (work in progress).
