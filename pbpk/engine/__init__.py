"""Floats only: generated kernels, solver status, dosing schedules, RODAS4, the exact linear path, population drivers."""
