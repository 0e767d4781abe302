"""Virtual populations: the population text, sampling of subjects, chunked local/Dask runs, dose matching."""
