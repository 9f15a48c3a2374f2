"""Total quality management (全面质量管理): a pure statistics core for SPC and acceptance sampling.

Shewhart charts with phase I/II (:mod:`.charts`, :mod:`.attributes`), EWMA and tabular CUSUM (:mod:`.ewma_cusum`),
Western Electric and Nelson run rules (:mod:`.rules`), process capability (:mod:`.capability`), Pareto analysis
(:mod:`.pareto`) and ISO 2859-1 / GB/T 2828.1 attribute sampling with switching rules (:mod:`.aql`). Imports only
the standard library, NumPy and SciPy; results are frozen dataclasses a service layer can serialise. Bad input raises
:class:`.errors.TqmInputError`. See ``docs/tqm.md``.
"""
