"""Logging that says what matters: refusals are INFO lines, faults stay WARNING/ERROR."""

import logging


class RefusalsAreInfo(logging.Filter):
    """django.request logs every 403 as a WARNING with the PermissionDenied traceback. A role
    being refused is the rules table working: keep the line, at INFO, without the trace."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", None) == 403:
            record.levelno, record.levelname = logging.INFO, "INFO"
            record.exc_info = record.exc_text = None
        return True
