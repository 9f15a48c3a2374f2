"""Random inspections (双随机、一公开): plans, verifiable draws of targets and inspectors, results, publication.

SPEC.md section `inspections`; 国办发〔2015〕58号 and 国发〔2019〕5号. The pure rules are in :mod:`.domain` (pool
snapshot, commitment, stratified draw, verification) and :mod:`.assign` (inspector assignment).
"""
