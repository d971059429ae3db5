"""Printers and compilers that turn a model's sympy equations into code."""
