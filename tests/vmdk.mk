# tests/vmdk.mk: owned by the vmdk area; append to TESTS / check_PROGRAMS.
