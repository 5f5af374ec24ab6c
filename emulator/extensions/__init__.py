"""Patches that add AWS APIs moto 5.2 lacks, or correct the ones it has, one module per service.

Each patch function (registered in launch.PATCHES) fixes one thing and has a docstring saying what
AWS does and what moto gets wrong. moto is imported inside the patch functions, after launch.py
has set moto's environment.
"""
