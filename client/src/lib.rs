//! ferrymq client (work in progress).
