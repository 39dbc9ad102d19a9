"""Perception beyond the device's element tree: text read from the screenshot (OCR)."""

from .enrich import OCR_CLASS, OcrEnricher, is_ocr_id, resolve_ocr_targets, unreadable
from .ocr import tesseract_status

__all__ = ["OCR_CLASS", "OcrEnricher", "is_ocr_id", "resolve_ocr_targets", "tesseract_status", "unreadable"]
