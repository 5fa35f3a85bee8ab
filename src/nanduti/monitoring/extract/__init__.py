"""Pure text pipeline of the monitoring app: cleaning, language, relevance, facts,
near-duplicates and job-ad red flags. Nothing here touches the database or the network;
the CLI (``nanduti monitor``) and the stored-article runner both call
:func:`nanduti.monitoring.extract.pipeline.extract_item`.
"""
