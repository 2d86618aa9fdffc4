# tests/fixups.mk: owned by the fixups area; append to TESTS / check_PROGRAMS.
