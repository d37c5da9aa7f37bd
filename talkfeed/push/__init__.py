"""After a build: tell WebSub hubs which feeds changed, and keep what could not be told."""
