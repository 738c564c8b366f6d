#include "services/auth/jwt_verifier.h"
