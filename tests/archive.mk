# tests/archive.mk: owned by the archive area; append to TESTS / check_PROGRAMS.
