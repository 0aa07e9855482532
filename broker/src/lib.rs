//! ferrymq broker (work in progress).
