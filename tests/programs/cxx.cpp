// A self-checking C++ program: iostream, std::string, std::map, std::vector, virtual
// calls and exceptions (several types, rethrow, catch(...), through several frames, with
// destructors run during unwinding).  Deterministic; the exit status is the number of
// failed checks (0 when all pass).
#include <iostream>
#include <map>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

static int failures = 0;
static int checks = 0;
static std::vector<std::string> events;   // what the destructors recorded, in order

static void check(bool ok, const std::string &what) {
    ++checks;
    if (!ok) {
        ++failures;
        std::cout << "FAIL: " << what << "\n";
    } else {
        std::cout << "ok: " << what << "\n";
    }
}

struct Guard {
    std::string name;
    explicit Guard(std::string n) : name(std::move(n)) { std::cout << "  enter " << name << "\n"; }
    ~Guard() {
        std::cout << "  leave " << name << "\n";
        events.push_back(name);
    }
};

struct MyError {
    int code;
};

struct Derived : std::runtime_error {
    int depth;
    Derived(const std::string &m, int d) : std::runtime_error(m), depth(d) {}
};

// ---- virtual calls ------------------------------------------------------------------
struct Shape {
    virtual ~Shape() { events.push_back("~Shape"); }
    virtual double area() const = 0;
    virtual std::string name() const { return "shape"; }
};
struct Rect : Shape {
    double w, h;
    Rect(double a, double b) : w(a), h(b) {}
    double area() const override { return w * h; }
    std::string name() const override { return "rect"; }
};
struct Square : Rect {
    explicit Square(double s) : Rect(s, s) {}
    std::string name() const override { return "square"; }
};
struct Circle : Shape {
    double r;
    explicit Circle(double x) : r(x) {}
    double area() const override { return 3 * r * r; }
};

// ---- exceptions through several frames ------------------------------------------------
__attribute__((noinline)) static int level3(int kind) {
    Guard g("level3");
    switch (kind) {
    case 0: throw MyError{42};
    case 1: throw std::runtime_error("runtime at level3");
    case 2: throw Derived("derived at level3", 3);
    case 3: throw 7;
    case 4: throw std::string("a string");
    case 5: { std::vector<int> v(3); return v.at(10); }
    default: return kind * 10;
    }
}

__attribute__((noinline)) static int level2(int kind) {
    Guard g("level2");
    std::string s = "level2 local";
    int r = level3(kind);
    return r + (int)s.size();
}

__attribute__((noinline)) static int level1(int kind) {
    Guard g("level1");
    try {
        return level2(kind);
    } catch (const MyError &e) {
        std::cout << "  level1 caught MyError " << e.code << ", rethrowing\n";
        throw;
    }
}

static std::string classify(int kind) {
    try {
        int r = level1(kind);
        return "returned " + std::to_string(r);
    } catch (const MyError &e) {
        return "MyError " + std::to_string(e.code);
    } catch (const Derived &e) {
        return std::string("Derived(") + e.what() + ", depth " + std::to_string(e.depth) + ")";
    } catch (const std::out_of_range &e) {
        return "out_of_range";
    } catch (const std::exception &e) {
        return std::string("exception: ") + e.what();
    } catch (int i) {
        return "int " + std::to_string(i);
    } catch (...) {
        return "unknown";
    }
}

// ---- nested try, exception in a destructor-free catch, rethrow of another type --------
__attribute__((noinline)) static int nested(int n) {
    int caught = 0;
    for (int i = 0; i < n; ++i) {
        try {
            try {
                if (i % 3 == 0) throw std::logic_error("logic " + std::to_string(i));
                if (i % 3 == 1) throw i;
                caught += 100;
            } catch (const std::logic_error &e) {
                caught += 1;
                throw std::runtime_error(std::string("converted ") + e.what());
            }
        } catch (const std::runtime_error &e) {
            caught += 10;
        } catch (int) {
            caught += 1000;
        }
    }
    return caught;
}

// A function with a catch(...) that swallows and a noexcept-free cleanup path.
__attribute__((noinline)) static int swallow(int k) {
    std::unique_ptr<Guard> p(new Guard("heap guard " + std::to_string(k)));
    try {
        if (k & 1) throw std::bad_alloc();
        return k;
    } catch (...) {
        return -k;
    }
}

static std::map<std::string, int> word_counts(const std::string &text) {
    std::map<std::string, int> m;
    std::istringstream in(text);
    std::string w;
    while (in >> w) ++m[w];
    return m;
}

int main(int argc, char **argv) {
    std::cout << "cxx test, argc " << argc << "\n";

    // strings and maps
    std::map<std::string, int> m = word_counts(
        "the quick brown fox jumps over the lazy dog the fox");
    for (const auto &kv : m) std::cout << kv.first << "=" << kv.second << "\n";
    check(m["the"] == 3 && m["fox"] == 2 && m.size() == 8, "word counts");

    std::map<int, std::string> squares;
    for (int i = 0; i < 50; ++i) squares[i * i % 37] += std::to_string(i) + ",";
    std::string joined;
    for (const auto &kv : squares) joined += std::to_string(kv.first) + ":" + kv.second + " ";
    std::cout << joined << "\n";
    check(squares.size() == 19, "quadratic residues mod 37");

    // vectors and virtual calls
    std::vector<std::unique_ptr<Shape>> shapes;
    for (int i = 1; i <= 6; ++i) {
        if (i % 3 == 0) shapes.emplace_back(new Circle(i));
        else if (i % 3 == 1) shapes.emplace_back(new Rect(i, i + 1));
        else shapes.emplace_back(new Square(i));
    }
    double total = 0;
    for (const auto &s : shapes) {
        std::cout << s->name() << " " << s->area() << "\n";
        total += s->area();
    }
    std::cout << "total area " << total << "\n";
    check(total == 2 + 4 + 27 + 20 + 25 + 108, "virtual areas");
    shapes.clear();
    check(events.size() == 6, "virtual destructors");
    events.clear();

    // exceptions
    const char *expect[] = {
        "MyError 42",
        "exception: runtime at level3",
        "Derived(derived at level3, depth 3)",
        "int 7",
        "unknown",
        "out_of_range",
        "returned 72",
    };
    for (int k = 0; k < 7; ++k) {
        std::cout << "kind " << k << ":\n";
        std::string r = classify(k);
        std::cout << "  -> " << r << "\n";
        check(r == expect[k], "classify " + std::to_string(k));
        // level3, level2, level1 unwound in that order every time
        check(events.size() == 3 && events[0] == "level3" && events[1] == "level2" &&
              events[2] == "level1", "unwinding order " + std::to_string(k));
        events.clear();
    }

    int n = nested(10);
    std::cout << "nested " << n << "\n";
    check(n == 4 * 11 + 3 * 1000 + 3 * 100, "nested try");

    int s = 0;
    for (int k = 0; k < 6; ++k) s += swallow(k);
    std::cout << "swallow " << s << "\n";
    check(s == 0 - 1 + 2 - 3 + 4 - 5 && events.size() == 6, "catch(...) with RAII");
    events.clear();

    // vector::at out of range, with what()
    std::vector<int> v{1, 2, 3};
    try {
        v.at(argc + 5) = 1;
        check(false, "vector::at throws");
    } catch (const std::out_of_range &e) {
        std::string what = e.what();
        std::cout << "what: " << what << "\n";
        check(what.find("vector") != std::string::npos, "vector::at throws");
    }

    // many throws in a loop (exercise the unwinder's caches)
    long sum = 0;
    for (int i = 0; i < 2000; ++i) {
        try {
            if (i % 2) throw std::runtime_error("odd");
            throw i;
        } catch (int x) {
            sum += x;
        } catch (const std::exception &) {
            sum += 1;
        }
    }
    std::cout << "loop sum " << sum << "\n";
    check(sum == 999000 + 1000, "throw loop");

    std::cerr << "checks " << checks << ", failures " << failures << "\n";
    return failures;
}
