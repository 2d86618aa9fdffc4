# tests/cfg.mk: owned by the cfg area; append to TESTS / check_PROGRAMS.
