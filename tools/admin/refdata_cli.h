#pragma once
// hotline-admin <kind> load FILE | history | diff V1 V2 | show [V]
// (kinds: units, categories, catalogue, policies, rules, city; see
// refdata.h and libs/refdata/). argv as main's, argv[1] the kind.
namespace hotline::admin {

// True when `noun` is a kind of reference data.
bool IsRefDataKind(const char* noun);
int RefDataMain(int argc, char** argv);

}  // namespace hotline::admin
