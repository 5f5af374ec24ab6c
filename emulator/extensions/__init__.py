"""Patches that add AWS APIs moto 5.2 lacks, one module per service.

Each module holds one patch function (registered in launch.PATCHES) with a docstring saying what
AWS does and what moto gets wrong. moto is imported inside the patch functions, after launch.py
has set moto's environment.
"""
