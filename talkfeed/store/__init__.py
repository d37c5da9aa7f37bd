"""What builds remember, in one store per SOURCE: page records, parts, build records, layouts."""
