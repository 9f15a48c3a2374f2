"""Supervision sampling (产品质量监督抽查): plans, samples, laboratory reports, objections and re-tests, disposal of
failures, and pass rates with their confidence intervals (SPEC: sampling; 产品质量法 第十五条)."""
