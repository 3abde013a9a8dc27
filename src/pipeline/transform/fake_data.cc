#include "pipeline/transform/fake_data.h"

#include <initializer_list>

namespace dbtwin::pipeline::fake {
namespace {

using List = std::vector<std::string>;

// Every combination of a head and a tail, in a fixed order.
List combine(std::initializer_list<const char*> heads, std::initializer_list<const char*> tails,
             const char* joiner = "") {
  List out;
  for (const char* h : heads) {
    for (const char* t : tails) out.push_back(std::string(h) + joiner + t);
  }
  return out;
}

}  // namespace

const List& first_names() {
  static const List list =
      combine({"Al",  "Ber", "Cal", "Dar", "El", "Fen", "Gar", "Hal", "Is",  "Jor",
               "Kar", "Lor", "Mar", "Nor", "Ol", "Per", "Ros", "Sel", "Tor", "Val"},
              {"a", "an", "en", "ia", "ie", "o", "on", "us", "ella", "ric"});
  return list;
}

const List& last_names() {
  static const List list = combine(
      {"Ash",  "Black", "Brook", "Clay", "Dun",   "Fair",  "Green", "Hart",  "Kings", "Lang",
       "Mill", "North", "Oak",   "Red",  "Stone", "Thorn", "West",  "White", "Wood",  "York"},
      {"ford", "ley", "ton", "wood", "field", "well", "by", "worth", "man", "son"});
  return list;
}

const List& cities() {
  static const List list =
      combine({"Ash", "Bright", "Clear", "Elm", "Fair", "Glen", "High", "Lake", "Maple", "Mill"},
              {"ton", "ville", "field", "port", "bury", "haven", "wick", "stead", "ford", "dale"});
  return list;
}

const List& countries() {
  static const List list = {
      "Argentina",     "Australia", "Austria",  "Belgium",     "Brazil",      "Canada",
      "Chile",         "China",     "Colombia", "Croatia",     "Czechia",     "Denmark",
      "Egypt",         "Estonia",   "Finland",  "France",      "Germany",     "Ghana",
      "Greece",        "Hungary",   "Iceland",  "India",       "Indonesia",   "Ireland",
      "Italy",         "Japan",     "Kenya",    "Latvia",      "Lithuania",   "Luxembourg",
      "Malaysia",      "Mexico",    "Morocco",  "Netherlands", "New Zealand", "Nigeria",
      "Norway",        "Peru",      "Poland",   "Portugal",    "Romania",     "Senegal",
      "Singapore",     "Slovakia",  "Slovenia", "South Korea", "Spain",       "Sweden",
      "Switzerland",   "Thailand",  "Tunisia",  "Turkey",      "Ukraine",     "United Kingdom",
      "United States", "Uruguay",   "Vietnam"};
  return list;
}

const List& streets() {
  static const List list =
      combine({"Acorn",  "Birch",  "Cedar",   "Church", "Elm",    "Hill",   "Lake",
               "Meadow", "Mill",   "Oak",     "Park",   "Pine",   "River",  "Rose",
               "School", "Spring", "Station", "Sunset", "Willow", "Windsor"},
              {"Street", "Avenue", "Road", "Lane", "Way"}, " ");
  return list;
}

const List& company_words() {
  static const List list = {
      "Acme",    "Apex",   "Blue",   "Bright",  "Cobalt",   "Crest",  "Delta",    "Ember", "Falcon",
      "Global",  "Harbor", "Iron",   "Juniper", "Keystone", "Lumen",  "Meridian", "Nova",  "Orbit",
      "Pioneer", "Prime",  "Quartz", "Redwood", "Summit",   "Vertex", "Zenith"};
  return list;
}

const List& company_kinds() {
  static const List list = {"Systems",    "Labs",    "Foods",     "Logistics", "Partners",
                            "Analytics",  "Health",  "Energy",    "Media",     "Software",
                            "Consulting", "Freight", "Materials", "Robotics",  "Finance"};
  return list;
}

const List& company_suffixes() {
  static const List list = {"Ltd", "Inc", "LLC", "GmbH", "SA", "Group", "Co"};
  return list;
}

const List& email_domains() {
  static const List list = {"example.com", "example.org", "example.net"};
  return list;
}

}  // namespace dbtwin::pipeline::fake
