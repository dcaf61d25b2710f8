/* sqlite: Debian's static SQLite: inserts in a transaction, an index, aggregate and join
 * queries, all in memory. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>

static int print_row(void *u, int n, char **v, char **c)
{
    (void)u;
    for (int i = 0; i < n; i++)
        printf("%s%s=%s", i ? " " : "", c[i], v[i] ? v[i] : "NULL");
    printf("\n");
    return 0;
}

int main(int argc, char **argv)
{
    int rows = argc > 1 ? atoi(argv[1]) : 300000;
    sqlite3 *db;
    sqlite3_stmt *st;
    sqlite3_open(":memory:", &db);
    sqlite3_exec(db, "CREATE TABLE t(id INTEGER PRIMARY KEY, k INTEGER, name TEXT, v REAL);"
                     "CREATE TABLE g(k INTEGER PRIMARY KEY, label TEXT); BEGIN", 0, 0, 0);
    sqlite3_prepare_v2(db, "INSERT INTO t(k, name, v) VALUES (?, ?, ?)", -1, &st, 0);
    unsigned x = 7;
    char name[24];
    for (int i = 0; i < rows; i++) {
        x = x * 1103515245 + 12345;
        snprintf(name, sizeof name, "n%u", x % 100000);
        sqlite3_bind_int(st, 1, (int)(x >> 8) % 1000);
        sqlite3_bind_text(st, 2, name, -1, SQLITE_TRANSIENT);
        sqlite3_bind_double(st, 3, (x % 10000) / 7.0);
        sqlite3_step(st);
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    for (int k = 0; k < 1000; k++) {
        char sql[96];
        snprintf(sql, sizeof sql, "INSERT INTO g VALUES (%d, 'group %d')", k, k % 37);
        sqlite3_exec(db, sql, 0, 0, 0);
    }
    sqlite3_exec(db, "COMMIT; CREATE INDEX t_k ON t(k); CREATE INDEX t_name ON t(name)", 0, 0, 0);
    sqlite3_exec(db, "SELECT count(*) AS n, printf('%.4f', avg(v)) AS avg, max(name) AS mx FROM t", print_row, 0, 0);
    sqlite3_exec(db, "SELECT g.label, count(*) AS n, printf('%.2f', sum(t.v)) AS s FROM t JOIN g ON g.k = t.k"
                     " GROUP BY g.label ORDER BY n DESC LIMIT 5", print_row, 0, 0);
    sqlite3_exec(db, "SELECT count(DISTINCT name) AS names FROM t WHERE name LIKE 'n1%'", print_row, 0, 0);
    sqlite3_close(db);
    return 0;
}
