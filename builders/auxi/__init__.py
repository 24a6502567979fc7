"""bmtk's ``builder.auxi`` helpers under their old import paths."""
