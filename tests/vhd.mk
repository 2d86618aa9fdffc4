# tests/vhd.mk: owned by the vhd area; append to TESTS / check_PROGRAMS.
