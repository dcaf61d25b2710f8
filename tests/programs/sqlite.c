/* sqlite: an in-memory database and a file database in the working directory (journal,
 * locks, pread/pwrite, fsync), with joins, aggregates, window functions, CTEs, LIKE/GLOB,
 * printf(), floating point, blobs, indexes, transactions with rollback, and errors. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int show(void *tag, int n, char **vals, char **names)
{
    printf("%s:", (const char *)tag);
    for (int i = 0; i < n; i++)
        printf(" %s=%s", names[i], vals[i] ? vals[i] : "NULL");
    printf("\n");
    return 0;
}

static void run(sqlite3 *db, const char *tag, const char *sql)
{
    char *err = NULL;
    if (sqlite3_exec(db, sql, show, (void *)tag, &err) != SQLITE_OK) {
        printf("%s: error: %s\n", tag, err);
        sqlite3_free(err);
    }
}

static void fill(sqlite3 *db, int rows)
{
    sqlite3_stmt *st;
    run(db, "schema",
        "CREATE TABLE dept(id INTEGER PRIMARY KEY, name TEXT UNIQUE);"
        "CREATE TABLE emp(id INTEGER PRIMARY KEY, name TEXT, dept INTEGER REFERENCES dept(id),"
        " salary REAL, hired TEXT, photo BLOB);"
        "CREATE INDEX emp_dept ON emp(dept, salary);"
        "INSERT INTO dept(name) VALUES ('eng'),('ops'),('sales'),('legal'),('r&d');");
    sqlite3_prepare_v2(db, "INSERT INTO emp(name, dept, salary, hired, photo) VALUES (?,?,?,?,?)", -1, &st, NULL);
    run(db, "begin", "BEGIN");
    unsigned x = 12345;
    for (int i = 0; i < rows; i++) {
        char name[32], date[16];
        unsigned char blob[8];
        x = x * 1103515245 + 12345;
        snprintf(name, sizeof name, "%c%c%c-%d", 'a' + x % 26, 'a' + (x >> 8) % 26, 'a' + (x >> 16) % 26, i);
        snprintf(date, sizeof date, "20%02u-%02u-%02u", 10 + x % 14, 1 + (x >> 4) % 12, 1 + (x >> 9) % 28);
        for (int k = 0; k < 8; k++)
            blob[k] = (unsigned char)(x >> (k * 3));
        sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int(st, 2, 1 + (x >> 20) % 5);
        sqlite3_bind_double(st, 3, 30000.0 + (x % 100000) / 3.0);
        sqlite3_bind_text(st, 4, date, -1, SQLITE_TRANSIENT);
        sqlite3_bind_blob(st, 5, blob, 8, SQLITE_TRANSIENT);
        if (sqlite3_step(st) != SQLITE_DONE)
            printf("insert %d failed: %s\n", i, sqlite3_errmsg(db));
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    run(db, "commit", "COMMIT");
}

static void queries(sqlite3 *db)
{
    run(db, "count", "SELECT count(*) AS n, sum(salary) AS total, printf('%.3f', avg(salary)) AS mean FROM emp");
    run(db, "by dept",
        "SELECT d.name, count(e.id) AS n, printf('%.2f', min(e.salary)) AS lo, printf('%.2f', max(e.salary)) AS hi"
        " FROM dept d LEFT JOIN emp e ON e.dept = d.id GROUP BY d.id ORDER BY n DESC, d.name");
    run(db, "window",
        "SELECT name, dept, rank() OVER (PARTITION BY dept ORDER BY salary DESC) AS r FROM emp"
        " WHERE id % 97 = 0 ORDER BY dept, r LIMIT 12");
    run(db, "cte",
        "WITH RECURSIVE fib(a, b, k) AS (SELECT 0, 1, 0 UNION ALL SELECT b, a + b, k + 1 FROM fib WHERE k < 80)"
        " SELECT max(a) AS fib80, count(*) AS rows FROM fib");
    run(db, "like", "SELECT count(*) AS n FROM emp WHERE name LIKE 'a%' OR name GLOB '*z-1*'");
    run(db, "years", "SELECT substr(hired, 1, 4) AS y, count(*) AS n FROM emp GROUP BY y ORDER BY y LIMIT 5");
    run(db, "dates", "SELECT date('2024-02-28', '+1 day') AS d, julianday('2000-01-01') AS j,"
                     " strftime('%W %j', '2023-12-31') AS w");
    run(db, "math", "SELECT 7 / 2 AS i, 7.0 / 2 AS f, -7 % 3 AS m, 1e308 * 10 AS inf, round(2.5) AS r,"
                    " abs(-9223372036854775807 - 1 + 1) AS big, hex(x'00ff10') AS hx, quote(1.0/3) AS q");
    run(db, "text", "SELECT upper('ünï abc') AS u, length('ünï') AS l, instr('hello', 'll') AS i,"
                    " replace('a-b-c', '-', '+') AS r, trim('  x  ') AS t, char(72, 105) AS c");
    run(db, "blob", "SELECT hex(photo) AS h, length(photo) AS l FROM emp WHERE id IN (1, 2, 3) ORDER BY id");
    run(db, "rollback", "BEGIN; DELETE FROM emp; ROLLBACK; SELECT count(*) AS still FROM emp");
    run(db, "update", "UPDATE emp SET salary = salary * 1.1 WHERE dept = 2; SELECT changes() AS changed");
    run(db, "error", "SELECT * FROM no_such_table");
    run(db, "constraint", "INSERT INTO dept(name) VALUES ('eng')");
    run(db, "json", "SELECT json_object('a', 1, 'b', json_array(1, 2.5, 'x')) AS j");
}

int main(int argc, char **argv)
{
    sqlite3 *db;
    printf("sqlite %s\n", sqlite3_libversion());
    sqlite3_open(":memory:", &db);
    fill(db, argc > 2 ? atoi(argv[2]) : 3000);
    queries(db);
    sqlite3_close(db);

    const char *path = argc > 1 ? argv[1] : "test.db";
    if (sqlite3_open(path, &db) != SQLITE_OK)
        return printf("open %s: %s\n", path, sqlite3_errmsg(db)), 1;
    run(db, "pragma", "PRAGMA journal_mode=DELETE; PRAGMA page_size=4096");
    fill(db, 500);
    run(db, "vacuum", "VACUUM");
    run(db, "integrity", "PRAGMA integrity_check");
    run(db, "file", "SELECT count(*) AS n FROM emp");
    sqlite3_close(db);
    return 0;
}
