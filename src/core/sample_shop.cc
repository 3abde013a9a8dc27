#include "core/sample_shop.h"

#include <array>
#include <random>
#include <string>

#include <fmt/format.h>

namespace dbtwin::core {

namespace {

constexpr std::array kFirst = {"Ada",   "Bruno", "Chloe", "Dmitri", "Elena", "Farid",
                               "Greta", "Hiro",  "Ines",  "Jonas",  "Kemi",  "Luca",
                               "Maya",  "Nils",  "Olga",  "Pablo",  "Quinn", "Rosa",
                               "Sven",  "Tara",  "Umar",  "Vera",   "Wen",   "Yara"};
constexpr std::array kLast = {"Almeida",  "Berg",      "Castro",  "Dubois",   "Eriksen",
                              "Fischer",  "Garcia",    "Haddad",  "Ivanova",  "Jensen",
                              "Kowalski", "Lindqvist", "Moreau",  "Nakamura", "Okafor",
                              "Petrov",   "Rossi",     "Schmidt", "Tanaka",   "Weber"};
constexpr std::array kProducts = {"kettle",   "lamp",       "backpack", "headphones",
                                  "notebook", "mug",        "umbrella", "bicycle bell",
                                  "desk fan", "tea sampler"};

}  // namespace

void write_shop_sql(std::ostream& out, const ShopSize& size) {
  std::mt19937_64 rng(size.seed);
  auto pick = [&](const auto& arr) { return arr[rng() % arr.size()]; };
  out << "CREATE TABLE customers (id INT PRIMARY KEY, first_name VARCHAR(40) NOT NULL, "
         "last_name VARCHAR(40) NOT NULL, email VARCHAR(120) NOT NULL UNIQUE, phone VARCHAR(24), "
         "created_at DATE NOT NULL);\n"
         "CREATE TABLE orders (id INT PRIMARY KEY, customer_id INT NOT NULL REFERENCES "
         "customers(id), "
         "product VARCHAR(40) NOT NULL, quantity INT NOT NULL, total DECIMAL(10,2) NOT NULL, "
         "ordered_at DATE NOT NULL);\n"
         "CREATE INDEX orders_by_customer ON orders(customer_id);\n";
  constexpr int kBatch = 500;
  for (int i = 1; i <= size.customers; ++i) {
    out << ((i - 1) % kBatch == 0 ? "INSERT INTO customers VALUES\n" : ",\n");
    std::string first = pick(kFirst), last = pick(kLast);
    out << fmt::format(
        "({}, '{}', '{}', '{}.{}{}@example.com', '+1-555-{:03}-{:04}', '2024-{:02}-{:02}')", i,
        first, last, first, last, i, rng() % 1000, rng() % 10000, 1 + rng() % 12, 1 + rng() % 28);
    if (i % kBatch == 0 || i == size.customers) out << ";\n";
  }
  int orders = size.customers * size.orders_per_customer;
  for (int i = 1; i <= orders; ++i) {
    out << ((i - 1) % kBatch == 0 ? "INSERT INTO orders VALUES\n" : ",\n");
    int qty = 1 + static_cast<int>(rng() % 4);
    out << fmt::format("({}, {}, '{}', {}, {}.{:02}, '2025-{:02}-{:02}')", i,
                       1 + rng() % size.customers, pick(kProducts), qty, qty * (5 + rng() % 95),
                       rng() % 100, 1 + rng() % 12, 1 + rng() % 28);
    if (i % kBatch == 0 || i == orders) out << ";\n";
  }
}

}  // namespace dbtwin::core
