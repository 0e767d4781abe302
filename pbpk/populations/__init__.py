"""Virtual populations: the kinds (a registry), the population text, anchors, sampling of subjects,
chunked local/Dask runs, dose matching."""
