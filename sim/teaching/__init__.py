"""The trainer's classroom: side-by-side worlds, the participatory room and live SVG pictures.

Also offline demos, and labels in English and Bahasa Indonesia.

The live page itself is ``sim/app.py``, where Mesa's example layout puts it.
"""
