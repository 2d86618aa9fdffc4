# tests/convert.mk: owned by the convert area; append to TESTS / check_PROGRAMS.
