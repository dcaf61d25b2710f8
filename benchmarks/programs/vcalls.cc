// vcalls: C++ with virtual calls through a class hierarchy, std::map and std::string keys,
// std::vector of owning pointers: the shape of object-oriented application code.
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <vector>

struct Shape {
    virtual ~Shape() = default;
    virtual double area() const = 0;
    virtual void scale(double f) = 0;
    virtual const char *kind() const = 0;
};
struct Circle : Shape {
    double r;
    explicit Circle(double r) : r(r) {}
    double area() const override { return 3.14159265358979 * r * r; }
    void scale(double f) override { r *= f; }
    const char *kind() const override { return "circle"; }
};
struct Rect : Shape {
    double w, h;
    Rect(double w, double h) : w(w), h(h) {}
    double area() const override { return w * h; }
    void scale(double f) override { w *= f; h *= f; }
    const char *kind() const override { return "rect"; }
};
struct Tri : Shape {
    double b, h;
    Tri(double b, double h) : b(b), h(h) {}
    double area() const override { return 0.5 * b * h; }
    void scale(double f) override { b *= f; }
    const char *kind() const override { return "tri"; }
};

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 200000;
    int rounds = argc > 2 ? atoi(argv[2]) : 20;
    std::vector<std::unique_ptr<Shape>> shapes;
    unsigned x = 99;
    for (int i = 0; i < n; i++) {
        x = x * 1103515245 + 12345;
        double a = 1 + (x >> 8) % 100 / 10.0, b = 1 + (x >> 16) % 100 / 10.0;
        switch (x % 3) {
        case 0: shapes.emplace_back(new Circle(a)); break;
        case 1: shapes.emplace_back(new Rect(a, b)); break;
        default: shapes.emplace_back(new Tri(a, b)); break;
        }
    }
    std::map<std::string, double> by_key;
    std::map<int, int> buckets;
    double total = 0;
    for (int r = 0; r < rounds; r++) {
        for (auto &s : shapes) {
            s->scale(r % 2 ? 1.01 : 0.99);
            double a = s->area();
            total += a;
            buckets[static_cast<int>(a) % 512]++;
        }
        for (int i = 0; i < n; i += 7) {
            std::string key = std::string(shapes[i]->kind()) + ":" + std::to_string(i % 1000);
            by_key[key] += shapes[i]->area();
        }
    }
    double keysum = 0;
    for (auto &kv : by_key) keysum += kv.second / (1 + kv.first.size());
    std::printf("total=%.6e keys=%zu keysum=%.6e buckets=%zu first=%d\n", total, by_key.size(), keysum,
                buckets.size(), buckets.begin()->second);
    return 0;
}
