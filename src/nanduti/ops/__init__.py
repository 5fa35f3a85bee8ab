"""Operations: serving, backups and restores, the demo, login throttling.

Public: login_throttle
"""
