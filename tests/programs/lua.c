/* lua: the Lua 5.4 interpreter running an embedded script: tables, closures, metatables,
 * coroutines, string patterns and formatting, integer and float arithmetic, errors caught
 * with pcall (longjmp inside the VM), the garbage collector, and a C function called from
 * Lua.  A script given as argv[1] runs instead. */
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#include <stdio.h>

static const char *SCRIPT =
    "local t = {}\n"
    "for i = 1, 2000 do t[i] = (i * 7919) % 1009 end\n"
    "table.sort(t, function(a, b) return a > b end)\n"
    "print('sorted', t[1], t[2], t[#t], #t)\n"
    "local function counter() local n = 0; return function() n = n + 1; return n end end\n"
    "local c = counter(); c(); c(); print('closure', c())\n"
    "local V = {}\n"
    "V.__index = V\n"
    "V.__add = function(a, b) return setmetatable({x = a.x + b.x, y = a.y + b.y}, V) end\n"
    "V.__tostring = function(v) return string.format('(%g, %g)', v.x, v.y) end\n"
    "local v = setmetatable({x = 1.5, y = -2}, V) + setmetatable({x = 0.25, y = 8}, V)\n"
    "print('meta', tostring(v))\n"
    "local co = coroutine.wrap(function(a) for i = 1, 3 do a = a + coroutine.yield(a * i) end return 'done' end)\n"
    "print('coroutine', co(1), co(10), co(100), co(1000))\n"
    "local s = 'The quick brown fox jumps over the lazy dog 42 times, 3.14 ok'\n"
    "print('gsub', (s:gsub('%a+', function(w) return #w > 4 and w:upper() or nil end)))\n"
    "for k, v in s:gmatch('(%d+)%.?(%d*)') do io.write('[', k, ',', v, ']') end print()\n"
    "print('find', s:find('fox'), s:match('(%d+) times'), s:rep(2, '|'):len(), s:byte(-1), s:reverse():sub(1, 5))\n"
    "print('format', string.format('%5.2f|%-6d|%x|%q|%e|%g|%a', math.pi, 42, 255, 'a\\nb', 1e-10, 2^63, 1.0))\n"
    "print('ints', 7 // 2, -7 // 2, 7 % -3, 2^53 + 1, math.maxinteger + 1 == math.mininteger, 1 << 62, ~0 >> 1)\n"
    "print('floats', 7 / 2, -0.0, 1/0, -1/0, math.floor(-3.5), math.ceil(-3.5), math.fmod(7, -3), math.sqrt(2))\n"
    "print('conv', tonumber('0x10'), tonumber('1e3'), tonumber('  12  '), tonumber('z', 36), math.tointeger(3.0), 10 // 0.0)\n"
    "print('pcall', pcall(function() error({code = 7}) end), select(2, pcall(error, 'msg', 0)))\n"
    "print('xpcall', xpcall(function() return nil + 1 end, function(m) return 'handled: ' .. m end))\n"
    "local ok, e = pcall(string.rep) print('argerr', ok, e)\n"
    "local big = {} for i = 1, 20000 do big[i] = {i, tostring(i)} end big = nil collectgarbage()\n"
    "print('gc', collectgarbage('count') > 0)\n"
    "print('utf8', utf8.char(72, 228, 8364, 128512), utf8.len('häll€'))\n"
    "print('os', os.time({year = 2020, month = 2, day = 29, hour = 12}) ~= nil, os.date('!%Y-%m-%d', 86400 * 365))\n"
    "print('c', csum(1, 2.5, 3))\n"
    "local parts = {} for w in ('a,b,,c'):gmatch('([^,]*)') do parts[#parts + 1] = '<' .. w .. '>' end\n"
    "print('split', table.concat(parts))\n"
    "print('fib', (function(f, n) return f(f, n) end)(function(f, n) if n < 2 then return n end return f(f, n - 1) + f(f, n - 2) end, 24))\n";

static int csum(lua_State *L)
{
    int n = lua_gettop(L);
    lua_Number s = 0;
    for (int i = 1; i <= n; i++)
        s += luaL_checknumber(L, i);
    lua_pushnumber(L, s);
    lua_pushinteger(L, n);
    return 2;
}

int main(int argc, char **argv)
{
    lua_State *L = luaL_newstate();
    luaL_openlibs(L);
    lua_register(L, "csum", csum);
    int rc = argc > 1 ? luaL_dofile(L, argv[1]) : luaL_dostring(L, SCRIPT);
    if (rc != LUA_OK) {
        fprintf(stderr, "lua: %s\n", lua_tostring(L, -1));
        lua_close(L);
        return 1;
    }
    lua_close(L);
    return 0;
}
