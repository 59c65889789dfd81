"""Concept diagrams of the book, drawn with matplotlib: one function per picture, each drawing and showing one
figure (architecture, attention shapes, decoding, training, the dialogue loop). ``draw`` holds the primitives."""
