"""How builds and library runs are reported: the lines the command line and the servers print."""
