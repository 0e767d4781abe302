"""The ground floor: errors, units, safe YAML records, bundled data paths and shared names.

Every other subpackage may import from here; nothing here imports from them.
"""
