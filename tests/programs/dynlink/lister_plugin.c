/* A plugin of lister.c: built once per name with -DNAME=\"...\". */
const char *plugin_name(void) { return NAME; }
