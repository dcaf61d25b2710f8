/* lua: Debian's static Lua 5.4 running a script: the VM's big dispatch switch (luaV_execute),
 * table reads and writes through the C API (lua_geti, lua_seti), table.sort with a Lua
 * comparator, string building and closures. */
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#include <stdio.h>
#include <stdlib.h>

static const char script[] =
    "local n = ...\n"
    "local t = {}\n"
    "local x = 7\n"
    "for i = 1, n do x = (x * 1103515245 + 12345) % 2147483648; t[i] = x % 1000003 end\n"
    "table.sort(t, function(a, b) return a > b end)\n"
    "local acc = 0\n"
    "for i = 1, n, 3 do acc = (acc * 31 + t[i]) % 1000000007 end\n"
    "local words = {}\n"
    "for i = 1, n // 8 do words[#words + 1] = string.format('w%d', t[i] % 977) end\n"
    "local counts = {}\n"
    "for _, w in ipairs(words) do counts[w] = (counts[w] or 0) + 1 end\n"
    "local keys = 0\n"
    "for k, v in pairs(counts) do keys = keys + v * #k end\n"
    "local function fib(k) if k < 2 then return k end return fib(k - 1) + fib(k - 2) end\n"
    "return acc, keys, fib(27)\n";

int main(int argc, char **argv)
{
    lua_Integer n = argc > 1 ? atoll(argv[1]) : 1000000;
    lua_State *L = luaL_newstate();
    luaL_openlibs(L);
    if (luaL_loadstring(L, script) != LUA_OK) {
        fprintf(stderr, "%s\n", lua_tostring(L, -1));
        return 1;
    }
    lua_pushinteger(L, n);
    if (lua_pcall(L, 1, 3, 0) != LUA_OK) {
        fprintf(stderr, "%s\n", lua_tostring(L, -1));
        return 1;
    }
    /* the C API side: fill a table with lua_seti, sum it back with lua_geti */
    lua_createtable(L, (int)n, 0);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_pushinteger(L, i * 2654435761u % 1000003);
        lua_seti(L, -2, i);
    }
    lua_Integer sum = 0;
    for (int pass = 0; pass < 4; pass++)
        for (lua_Integer i = 1; i <= n; i++) {
            lua_geti(L, -1, i);
            sum += lua_tointeger(L, -1) ^ pass;
            lua_pop(L, 1);
        }
    printf("acc=%lld keys=%lld fib=%lld sum=%lld\n", (long long)lua_tointeger(L, -4),
           (long long)lua_tointeger(L, -3), (long long)lua_tointeger(L, -2), (long long)sum);
    lua_close(L);
    return 0;
}
