"""Correcting and merging patient records: the use cases that change a patient and, with
it, their procedures' texts still to come and the rows that belong to them. Above both
the patient record (`service.patients`) and the procedures, which know nothing of it."""
