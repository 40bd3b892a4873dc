#pragma once
// A certificate authority made for one test with the openssl command-line tool, in a
// TempDir removed with it: its certificate (to trust, as --ca-file would) and server
// certificates it signs for the names a test asks for. EC P-256 keys, valid for two days.

#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace mailbox::testing {

struct ServerCertificate {
  std::string cert_file;  // PEM: the certificate
  std::string key_file;   // PEM: its private key
};

class TestCa {
 public:
  // openssl_tool: the path of the openssl program. Throws when it fails.
  explicit TestCa(std::string openssl_tool) : tool_(std::move(openssl_tool)) {
    write("ca.cnf",
          "[req]\n"
          "prompt = no\n"
          "distinguished_name = dn\n"
          "x509_extensions = ca\n"
          "[dn]\n"
          "CN = Mailbox test CA\n"
          "[ca]\n"
          "basicConstraints = critical, CA:TRUE\n"
          "keyUsage = critical, keyCertSign, cRLSign\n"
          "subjectKeyIdentifier = hash\n");
    run({"req", "-x509", "-config", dir_.sub("ca.cnf"), "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-keyout", dir_.sub("ca.key"), "-out", ca_file(), "-days", "2"});
  }

  // The CA's certificate, PEM.
  std::string ca_file() const { return dir_.sub("ca.pem"); }

  // A key and a certificate signed by this CA, for a TLS server. name names the files and
  // the subject; alt_names are the subjectAltName entries that clients check the host
  // against ("DNS:localhost", "IP:127.0.0.1").
  ServerCertificate issue(const std::string& name, const std::vector<std::string>& alt_names) {
    std::string sans;
    for (const auto& n : alt_names) sans += (sans.empty() ? "" : ", ") + n;
    write(name + ".cnf", "[req]\nprompt = no\ndistinguished_name = dn\n[dn]\nCN = " + name + "\n");
    write(name + ".ext",
          "basicConstraints = CA:FALSE\n"
          "keyUsage = critical, digitalSignature\n"
          "extendedKeyUsage = serverAuth\n"
          "authorityKeyIdentifier = keyid\n"
          "subjectAltName = " + sans + "\n");
    ServerCertificate c{dir_.sub(name + ".pem"), dir_.sub(name + ".key")};
    run({"req", "-new", "-config", dir_.sub(name + ".cnf"), "-newkey", "ec", "-pkeyopt",
         "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", c.key_file, "-out", dir_.sub(name + ".csr")});
    run({"x509", "-req", "-in", dir_.sub(name + ".csr"), "-CA", ca_file(), "-CAkey", dir_.sub("ca.key"),
         "-CAcreateserial", "-days", "2", "-extfile", dir_.sub(name + ".ext"), "-out", c.cert_file});
    return c;
  }

  // A file in the CA's folder, for a test's own files (say, a CA file that is not PEM).
  std::string write(const std::string& name, const std::string& text) {
    std::ofstream(dir_.sub(name)) << text;
    return dir_.sub(name);
  }

 private:
  void run(const std::vector<std::string>& args) {
    auto r = run_process(tool_, args);
    if (r.exit_code != 0) throw std::runtime_error("openssl " + args[0] + " failed: " + r.err);
  }

  std::string tool_;
  TempDir dir_;
};

}  // namespace mailbox::testing
