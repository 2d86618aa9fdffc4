# tests/copy.mk: owned by the copy area; append to TESTS / check_PROGRAMS.
