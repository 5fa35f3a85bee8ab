"""The web pages (case forms, lists, imports, history). Its imports module keeps uploads
while their import job waits and shows rejected rows (the jobs pages use it).

Public: imports
"""
