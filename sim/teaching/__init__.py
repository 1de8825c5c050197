"""The trainer's classroom: side-by-side worlds, the participatory room, live SVG pictures, offline demos,
labels in English and Bahasa Indonesia.

The live page itself is ``sim/app.py``, where Mesa's example layout puts it.
"""
