"""Statistics: cross-tabs, disclosure control, publications, the public report.

Public: crosstab, disclosure, study_tables, charts, models, publication, persons,
report, rebuild
"""
