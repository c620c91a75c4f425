"""Demo data for Klientura: staff, classifiers and any number of realistic Russian clients.

``run.demo_seed`` is the entry point; the ``seed`` management command is its interface.
"""
