//! `rolecall build`: bundle content, reproducibility, manifest.
