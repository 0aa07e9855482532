//! ferrymq tools (work in progress).
