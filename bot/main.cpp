#include <iostream>
#include <span>

#include "bot/cli.hpp"

int main(int argc, char** argv) { return calico::cli::run(std::span<char*>(argv, static_cast<std::size_t>(argc)), std::cout, std::cerr); }
